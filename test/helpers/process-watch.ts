/**
 * Records unhandled rejections and uncaught exceptions while a suite runs, so a test can assert
 * there were none (the default behaviour would crash the run, or hide them in another test).
 */
export function watchProcess(): { problems: unknown[]; stop(): void } {
  const problems: unknown[] = [];
  const record = (problem: unknown) => problems.push(problem);
  process.on('unhandledRejection', record);
  process.on('uncaughtException', record);
  return {
    problems,
    stop() {
      process.off('unhandledRejection', record);
      process.off('uncaughtException', record);
    },
  };
}
