export { createDingTalkEmulator } from './emulator';
export type {
  DingTalkEmulator,
  DingTalkEmulatorOptions,
  EmulatorApp,
  EmulatorCounters,
  EmulatorEndpoint,
  EmulatorExternalContact,
  EmulatorFault,
  EmulatorFaultKind,
  EmulatorInAppStrategyOptions,
  EmulatorMemberLookupStrategyOptions,
  EmulatorOrganization,
  EmulatorRequestCounters,
  EmulatorRole,
  EmulatorStrategyOptions,
  EmulatorSysLevel,
  EmulatorUnknownUserIdError,
  EmulatorUser,
  IssueAuthCodeOptions,
  IssueInAppCodeOptions,
} from './types';
export { defaultEmulatorUsers } from './users';
