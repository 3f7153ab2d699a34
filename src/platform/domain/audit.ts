/** One entry of the audit log: who did what to which target, when, and how it ended. */
export interface AuditEntry {
  readonly actor: string;
  readonly action: string;
  readonly target: string;
  readonly outcome: string;
  /** ms since epoch */
  readonly at: number;
  readonly detail?: string;
  readonly project?: string;
}
