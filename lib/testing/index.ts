export { createDingTalkEmulator } from './emulator';
export type {
  DingTalkEmulator,
  DingTalkEmulatorOptions,
  EmulatorApp,
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
