/**
 * What the `sortie ui` server says in sentences: to the browser when a request is refused, and to
 * the person who started it when it cannot listen.
 */
export const uiMessages = {
  forbidden: () => 'forbidden: open the URL that `sortie ui` printed\n',
  readOnly: () => 'read-only\n',
  badWindow: () => 'bad from/to: not a date\n',
  noMission: () => 'no such mission',
  notFound: () => 'not found\n',
  failed: (error: string) => `sortie ui: ${error}\n`,
  portInUse: (port: number | undefined) => ({ message: `port ${port} is already in use`, hint: 'sortie ui   (a free port is picked without --port)' }),
  portPrivileged: (port: number | undefined) => ({ message: `port ${port} needs privileges`, hint: 'use a port above 1024, or none' }),
};
