// The few engine entry points the generated-case tests use, re-exported in one place so a
// refactor of src/ moves one import line, not every test.
export { parseQuantity } from '../../src/diagnosis/model/quantity.js';
export { diagnose } from '../../src/diagnosis/diagnose.js';
export { addObjects, emptySnapshot, type Snapshot } from '../../src/cluster/snapshot.js';
export type { Finding, Report, Target } from '../../src/diagnosis/types.js';
