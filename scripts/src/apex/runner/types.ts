/** Outcome of one Apex test method in the local runtime. */
export type MethodOutcome = 'pass' | 'fail' | 'unsupported' | 'error' | 'timeout';

export interface MethodResult {
  className: string;
  methodName: string;
  outcome: MethodOutcome;
  /** For fail: the Apex exception as the platform prints it ("System.AssertException: Assertion Failed: ..."). */
  message?: string;
  /** The Apex stack, innermost first. */
  stack?: string[];
  /** System.debug lines of the method. */
  debug?: string[];
  millis: number;
}

export interface RunReport {
  methods: MethodResult[];
  /** Per file of force-app/main: covered / coverable lines. */
  coverage: Array<{ file: string; className: string; covered: number; coverable: number; uncovered: number[] }>;
  millis: number;
}
