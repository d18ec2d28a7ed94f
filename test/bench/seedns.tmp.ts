import { createSeedNamespace } from '../support/seed.js';
const s = await createSeedNamespace('prof');
console.log(s.name);
