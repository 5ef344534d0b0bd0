/** A command line vrrplab cannot run: reported as `vrrplab: MESSAGE`, exit status 2 (as a bad config's file:line errors are non-zero, a bad option is 2 throughout). */
export class UsageError extends Error {}
