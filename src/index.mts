// ESM entry: the same module instance as require('seccomp-node'), so state such as the
// lockdown history is shared however the package is imported.
export * from './index.js';
