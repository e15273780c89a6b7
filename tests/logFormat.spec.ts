/** LOG_FORMAT: pretty on a terminal, JSON otherwise; pretty|json override (src/log.ts bootLogFormat). */
import { describe, expect, it } from 'vitest';
import { bootLogFormat } from '../src/log.js';
import { ConfigError, loadConfig } from '../src/config.js';

describe('bootLogFormat', () => {
  it('auto (or unset): pretty on a terminal, JSON lines otherwise', () => {
    expect(bootLogFormat({}, true)).toBe('pretty');
    expect(bootLogFormat({}, false)).toBe('json');
    expect(bootLogFormat({ LOG_FORMAT: 'auto' }, true)).toBe('pretty');
  });
  it('LOG_FORMAT=json or pretty wins over the terminal check', () => {
    expect(bootLogFormat({ LOG_FORMAT: 'json' }, true)).toBe('json');
    expect(bootLogFormat({ LOG_FORMAT: 'pretty' }, false)).toBe('pretty');
  });
  it('the config validates it', () => {
    expect(loadConfig({ LOG_FORMAT: 'pretty' }).logFormat).toBe('pretty');
    expect(loadConfig({}).logFormat).toBe('auto');
    expect(() => loadConfig({ LOG_FORMAT: 'colour' })).toThrow(ConfigError);
    expect(() => loadConfig({ LOG_FORMAT: 'colour' })).toThrow(/LOG_FORMAT/);
  });
});
