/**
 * The former name of LocatorRuntime (actors/locatorRuntime.ts), kept only for
 * actors/membershipCore.ts, which still hands pointers over through the locator's store; removed
 * when that hand-over moves to location's own message.
 */
export type { LocatorRuntime as ObjectLocatorCore } from './locatorRuntime';
