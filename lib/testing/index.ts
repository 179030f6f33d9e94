export { createDingTalkEmulator } from './emulator';
export type {
  DingTalkEmulator,
  DingTalkEmulatorOptions,
  EmulatorCounters,
  EmulatorEndpoint,
  EmulatorFault,
  EmulatorFaultKind,
  EmulatorOrganization,
  EmulatorRequestCounters,
  EmulatorStrategyOptions,
  EmulatorUser,
  IssueAuthCodeOptions,
} from './types';
export { defaultEmulatorUsers } from './users';
