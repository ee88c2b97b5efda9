import { writeFileAtomic } from '../../core/fsx.ts';

/** Writes `x.html` and, beside it, `x.json` with the data it was rendered from. */
export async function writeReport(file: string, html: string, data: unknown): Promise<void> {
  if (!file.endsWith('.html')) throw new Error(`writeReport: expected a .html path, got ${file}`);
  await writeFileAtomic(file.replace(/\.html$/, '.json'), JSON.stringify(data, null, 2) + '\n');
  await writeFileAtomic(file, html);
}
