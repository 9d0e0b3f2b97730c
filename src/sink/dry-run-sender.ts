import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DeliveryReport } from './send-window.ts';
import type { Window } from '../window/window.ts';

/**
 * Stands in for the API in a dry run: each window is written to
 * `<outputDir>/window-<n>-<datamart>-<document type>.ndjson`, byte for byte the
 * body a real run would POST, and reported as delivered so the rest of the
 * pipeline runs unchanged.
 */
export class DryRunSender {
  private readonly outputDir: string;
  private count = 0;
  readonly files: { file: string; datamartId: string; documentType: string; lines: number; bytes: number; trigger: string | undefined }[] = [];

  constructor(outputDir: string) {
    this.outputDir = outputDir;
    mkdirSync(outputDir, { recursive: true });
  }

  async send(window: Window): Promise<DeliveryReport> {
    this.count += 1;
    const file = `window-${String(this.count).padStart(6, '0')}-${window.key.datamartId}-${window.key.documentType}.ndjson`;
    writeFileSync(join(this.outputDir, file), window.body());
    this.files.push({ file, datamartId: window.key.datamartId, documentType: window.key.documentType, lines: window.lines.length, bytes: window.bytes, trigger: window.trigger });
    const now = Date.now();
    return {
      importId: 'dry-run',
      executions: [{ id: `dry-run-${this.count}`, indexes: window.lines.map((_, index) => index), acceptedAt: now }],
      linesDelivered: window.lines.length,
      rejected: [],
    };
  }
}
