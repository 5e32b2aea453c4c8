// Start-up progress for people watching a terminal: one line per step, with its duration.

export type Progress = {
  step<T>(label: string, work: () => Promise<T>): Promise<T>;
  note(message: string): void;
};

export function createProgress(
  write: (line: string) => void = (line) => process.stdout.write(line),
): Progress {
  let index = 0;
  return {
    async step(label, work) {
      index += 1;
      const started = performance.now();
      write(`  [${index}] ${label} …\n`);
      try {
        const result = await work();
        write(`      done in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
        return result;
      } catch (error) {
        write(`      failed after ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
        throw error;
      }
    },
    note(message) {
      write(`      ${message}\n`);
    },
  };
}
