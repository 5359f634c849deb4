/**
 * Reading the docs as GitHub shows them, for the tests that check them (tests/docs/): their
 * relative links, the anchors GitHub makes of their headings, and the shell commands of their
 * code blocks.
 */

export interface CodeBlock {
  readonly lang: string;
  readonly text: string;
  /** 1-based line of the block's first line of code. */
  readonly line: number;
}

export interface Link {
  readonly target: string;
  readonly line: number;
}

/** The page without its code blocks (their lines left blank, so line numbers hold), and the blocks. */
export function splitCode(markdown: string): { prose: string[]; blocks: CodeBlock[] } {
  const prose: string[] = [];
  const blocks: CodeBlock[] = [];
  let open: { fence: string; lang: string; line: number; lines: string[] } | undefined;
  markdown.split('\n').forEach((line, i) => {
    const fence = /^\s*(```+|~~~+)\s*([\w+-]*)/.exec(line);
    if (open === undefined && fence) open = { fence: fence[1]!, lang: fence[2] ?? '', line: i + 2, lines: [] };
    else if (open !== undefined && line.trim().startsWith(open.fence)) {
      blocks.push({ lang: open.lang, text: open.lines.join('\n'), line: open.line });
      open = undefined;
    } else if (open !== undefined) open.lines.push(line);
    prose.push(open !== undefined || fence ? '' : line);
  });
  return { prose, blocks };
}

/** Every link and image of the prose, inline code left out; a link's text may run over lines. */
export function links(markdown: string): Link[] {
  // code spans blanked to the same length, so that offsets still give lines
  const prose = splitCode(markdown).prose.join('\n').replace(/`[^`]*`/g, (code) => code.replace(/[^\n]/g, ' '));
  return [...prose.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => ({
    target: m[1]!,
    line: prose.slice(0, m.index).split('\n').length,
  }));
}

/** The anchors GitHub gives a page's headings: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
export function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const line of splitCode(markdown).prose) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!heading) continue;
    const text = heading[1]!.replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1').replace(/<[^>]+>/g, '');
    const slug = text.toLowerCase().replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '').replace(/ /g, '-');
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    out.add(n === 0 ? slug : `${slug}-${n}`);
  }
  return out;
}

/** Shell words of one simple command, quotes honoured (no expansions: the docs use none). */
function words(command: string): string[] {
  const out: string[] = [];
  for (const m of command.matchAll(/'([^']*)'|"((?:[^"\\]|\\.)*)"|(\S+)/g)) out.push(m[1] ?? m[2] ?? m[3]!);
  return out;
}

/** The simple commands of a shell code block: continuations joined, comments dropped, split at `&&`, `||`, `;`, `|` and `&`. */
export function shellCommands(block: CodeBlock): { argv: string[]; line: number }[] {
  const out: { argv: string[]; line: number }[] = [];
  const lines = block.text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const first = i;
    let line = lines[i]!;
    while (line.endsWith('\\') && i + 1 < lines.length) line = `${line.slice(0, -1)} ${lines[++i]}`;
    const code = line.replace(/(^|\s)#.*$/, '');
    for (const part of code.split(/&&|\|\||;|\||&/)) {
      const argv = words(part.trim());
      while (argv.length > 0 && (/^[A-Za-z_][A-Za-z0-9_]*=/.test(argv[0]!) || argv[0] === 'time' || argv[0] === 'exec')) argv.shift();
      if (argv.length > 0) out.push({ argv, line: block.line + first });
    }
  }
  return out;
}
