/** A bad input met while exporting, importing or reading a dataset: reported (logged and returned), then skipped. */
export interface DatasetProblem {
  /** the file (relative to the dataset root for dataset files, as given for recordings) */
  readonly file: string;
  /** where in the file, when known: a recording line, a Parquet row group, rows read before the failure */
  readonly position?: string;
  readonly message: string;
}

/** One problem as a line for a terminal. */
export const problemLine = (p: DatasetProblem): string => `${p.file}${p.position ? ` (${p.position})` : ''}: ${p.message}`;
