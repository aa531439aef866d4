// The validation API of the sandbox API server.

export { builtinUnknownFields, validateBuiltin } from "./builtin.ts";
export { type CrdValidator, crdValidator } from "./crd.ts";
export { validateName } from "./names.ts";
