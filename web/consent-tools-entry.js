// consent-tools ships no browser bundle; this entry is bundled to an IIFE (global SegmentConsentTools).
export { createWrapper, resolveWhen } from '@segment/analytics-consent-tools'
