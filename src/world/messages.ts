/** What the world opener says about what it could not do (the commands print it on stderr). */
export const worldMessages = {
  readOnly: (file: string) => `the database ${file} is read-only for you: the task index was not refreshed and what hooks queued was not applied; what follows may be behind`,
  notRefreshed: (why: string) => `the task index and the queue were not brought up to date (${why}); what follows may be behind`,
};
