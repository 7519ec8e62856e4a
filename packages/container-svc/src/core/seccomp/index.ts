export { defaultSeccompProfile } from './default-profile.js';
export { seccompFromDockerProfile } from './docker-profile.js';
export { kernelAbis, x86Abis } from './kernel-abis.js';
export type { LinuxSeccomp, LinuxSeccompArg, LinuxSyscall } from './types.js';
