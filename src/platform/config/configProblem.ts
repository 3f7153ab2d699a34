/** One bad environment variable, named, with what was wrong and the form expected (start-up lists every one). */
export interface ConfigProblem {
  /** the variable's name, e.g. `KEYWARDEN_REQUEST_TTL` */
  readonly variable: string;
  /** what was wrong and the expected form, in plain words */
  readonly problem: string;
}
