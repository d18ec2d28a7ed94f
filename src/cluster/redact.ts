// The one redactor lives in src/redact.ts; the gatherer imports it from here.
export { redact } from '../redact.js';
