export * from "./bad-shares.js";
export * from "./options.js";
