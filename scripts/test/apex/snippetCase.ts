/** What every conformance case of the local Apex runtime states: the Apex, and the documentation it follows. */
export interface SnippetCase {
  name: string;
  /** The Apex Developer Guide / Apex Reference / Object Reference topic the expected outcome follows. */
  doc: string;
  body: string;
  /** Members added to the class the body runs in. */
  extra?: string;
  /** Other classes and triggers, by name. */
  files?: Record<string, string>;
}
