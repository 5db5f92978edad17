export type { NativeSecp256k1 } from "./native.js";
export { nativeSecp256k1 } from "./native.js";
