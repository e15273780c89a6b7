/** Shared test helpers: fixture loading and a decode context covering the fixtures' markets. */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RawFrame } from '../../../src/venues/common/types.js';
import { buildContext, type PolyMarketRef, type SnapshotGate } from '../../../src/venues/polymarket/normalize.js';

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '../../fixtures/polymarket');
export const GOLDEN = join(FIXTURES, 'golden');

export const readFixture = (rel: string): string => readFileSync(join(FIXTURES, rel), 'utf8');

/** Every ws_* fixture, current, legacy and docs (relative paths). */
export const wsFixtures = (): string[] => [
  ...readdirSync(FIXTURES).filter((f) => f.startsWith('ws_') && f.endsWith('.json')),
  ...readdirSync(join(FIXTURES, 'docs'))
    .filter((f) => f.startsWith('ws_') && f.endsWith('.json'))
    .map((f) => `docs/${f}`),
];

/** The fixtures' markets. Which token is YES is our choice where the fixture does not say. */
export const FIXTURE_MARKETS: PolyMarketRef[] = [
  {
    conditionId: '0x5f65177b394277fd294cd75650044e32ba009a95022d88a0c1d565897d72f8f1',
    yesTokenId: '71321045679252212594626385532706912750332728571942532289631379312455583992563',
    noTokenId: '52114319501245915516055106046884209969926127482827954674443846427813813222426',
  },
  {
    conditionId: '0xdd22472e552920b8438158ea7238bfadfa4f736aa4cee91a6b86c39ead110917',
    yesTokenId: '21742633143463906290569050155826241533067272736897614950488156847949938836455',
    noTokenId: '48331043336612883890938759509493159234755048973500640148014422747788308965732',
  },
  {
    conditionId: '0xbd31dc8a20211944f6b70f31557f1001557b59905b7738480ca09bd4532f84af',
    yesTokenId: '65818619657568813474341868652308942079804919287380422192892211131408793125422',
    noTokenId: '1',
  },
  {
    conditionId: '0xbacdf04bf7f22a670dc4fb408878ec56b76f9934599829455b9371693ba84b8b',
    yesTokenId: '115474063863764126958837769719736461272619491980773624567012766320777398670353',
    noTokenId: '2',
  },
  {
    conditionId: '0x311d0c4b6671ab54af4970c06fcf58662516f5168997bdda209ec3db5aa6b0c1',
    yesTokenId: '76043073756653678226373981964075571318267289248134717369284518995922789326425',
    noTokenId: '31690934263385727664202099278545688007799199447969475608906331829650099442770',
  },
];

/** No gating unless a gate is passed (goldens decode single fixtures). */
export const fixtureContext = (gate: SnapshotGate | null = null) => buildContext(FIXTURE_MARKETS, gate);

export const frame = (data: string, tsReceived = 1_700_000_000_000, connId = 'c1'): RawFrame => ({ venue: 'polymarket', connId, tsReceived, data });
