// Every Markdown document renders as written: fences closed, every link to a heading lands on
// one, every linked document exists (in the npm package too, for the documents it ships), and
// every example it embeds is the file the tests run.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, it } from 'node:test';
import MarkdownIt from 'markdown-it';

const root = join(__dirname, '..');
// html: GitHub and npmjs.com render the HTML in Markdown, links included.
const markdown = new MarkdownIt({ html: true });

/** A README is a landing page: the rest lives in docs/. */
const readmeLimit = 12_000;

/** The repository named in package.json, as GitHub shows its files: `<repository>/blob/main/`. */
const repository = (
  JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { repository: { url: string } }
).repository.url
  .replace(/^git\+/, '')
  .replace(/\.git$/, '');

/** The files `npm pack` puts in the tarball; scripts skipped, so no build is needed to list the documents. */
const packed = new Set(
  (
    JSON.parse(
      execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8' }),
    ) as Array<{ files: Array<{ path: string }> }>
  ).flatMap(({ files }) => files.map((file) => file.path)),
);

/** The project's documents: both READMEs, docs/, the changelog, the benchmark's README. */
function documents(): string[] {
  const docs = existsSync(join(root, 'docs'))
    ? readdirSync(join(root, 'docs'))
        .filter((name) => name.endsWith('.md'))
        .map((name) => join('docs', name))
    : [];
  return ['README.md', 'README.zh-CN.md', 'CHANGELOG.md', join('bench', 'README.md'), ...docs].filter((path) =>
    existsSync(join(root, path)),
  );
}

/** GitHub's heading anchor: lower case, punctuation dropped (CJK kept), spaces to hyphens. */
function slug(text: string): string {
  return text
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, '')
    .replace(/ /g, '-');
}

/** The targets of `href="…"` and `src="…"` in a piece of HTML. */
function htmlTargets(html: string): string[] {
  return [...html.matchAll(/\b(?:href|src)\s*=\s*["']([^"']*)["']/gi)].map(([, target]) => target as string);
}

/** The files git tracks: a repository link must name one of them (or a folder holding some), not a build output. */
const tracked = execFileSync('git', ['ls-files', '-z'], { cwd: root, encoding: 'utf8' }).split('\0').filter(Boolean);

interface ParsedDocument {
  anchors: Set<string>;
  links: string[];
  unclosedFences: number[];
}

const parsed = new Map<string, ParsedDocument>();

function parse(path: string): ParsedDocument {
  const known = parsed.get(path);
  if (known) return known;
  const source = readFileSync(join(root, path), 'utf8');
  const lines = source.split('\n');
  const tokens = markdown.parse(source, {});
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  const links: string[] = [];
  const unclosedFences: number[] = [];
  tokens.forEach((token, index) => {
    if (token.type === 'heading_open') {
      const text = (tokens[index + 1]?.children ?? [])
        .filter((child) => child.type === 'text' || child.type === 'code_inline')
        .map((child) => child.content)
        .join('');
      const base = slug(text);
      const count = seen.get(base) ?? 0;
      seen.set(base, count + 1);
      anchors.add(count === 0 ? base : `${base}-${count}`);
    }
    if (token.type === 'fence' && token.map) {
      // markdown-it runs an unclosed fence to the end of the document.
      const closing = lines[token.map[1] - 1]?.trim() ?? '';
      // A fence of four backticks closed only by a later one swallows a ``` line (and the
      // headings between them): count that as a fence that does not close where it should.
      const swallowed = token.content.split('\n').some((line) => line.trimStart().startsWith('```'));
      if (!closing.startsWith(token.markup) || token.map[1] - token.map[0] < 2 || swallowed) {
        unclosedFences.push(token.map[0] + 1);
      }
    }
    // Links, images and the href/src of inline or block HTML all take a reader somewhere.
    if (token.type === 'html_block') links.push(...htmlTargets(token.content));
    for (const child of token.children ?? []) {
      if (child.type === 'link_open') links.push(child.attrGet('href') ?? '');
      if (child.type === 'image') links.push(child.attrGet('src') ?? '');
      if (child.type === 'html_inline') links.push(...htmlTargets(child.content));
    }
  });
  const document = { anchors, links, unclosedFences };
  parsed.set(path, document);
  return document;
}

describe('the documentation', () => {
  const paths = documents();

  it('has a README in English and one in Chinese, each linking to the other', () => {
    assert.match(readFileSync(join(root, 'README.md'), 'utf8'), /\]\(README\.zh-CN\.md\)/);
    assert.match(readFileSync(join(root, 'README.zh-CN.md'), 'utf8'), /\]\(README\.md\)/);
  });

  for (const path of paths) {
    describe(path, () => {
      it('closes every code fence', () => {
        assert.deepEqual(parse(path).unclosedFences, [], 'lines where a fence opens and never closes');
      });

      it('links to files git tracks in the repository, over https, a folder as tree/ and a file as blob/', () => {
        const repositoryPath = repository.replace(/^https:\/\//, '');
        const broken = parse(path)
          .links.filter((href) =>
            href
              .replace(/^https?:\/\//i, '')
              .toLowerCase()
              .startsWith(`${repositoryPath}/`.toLowerCase()),
          )
          .filter((href) => {
            if (!href.startsWith(`${repository}/`)) return true;
            const [, kind, file, anchor] = /^[^#]+?\/(blob|tree)\/main\/([^#]*)(?:#(.*))?$/.exec(href) ?? [];
            if (!kind || file === undefined) return true;
            const folder = file.replace(/\/$/, '');
            const isFile = tracked.includes(folder);
            const isFolder = !isFile && tracked.some((tracked) => tracked.startsWith(`${folder}/`));
            if (kind === 'blob' ? !isFile : !isFolder) return true;
            return (
              anchor !== undefined && folder.endsWith('.md') && !parse(folder).anchors.has(decodeURIComponent(anchor))
            );
          });
        assert.deepEqual(broken, []);
      });

      // npmjs.com and the unpacked package show the documents it ships: their relative links must land in the tarball.
      it(`links only to headings and documents that exist${packed.has(path) ? ', in the npm package too' : ''}`, () => {
        const broken = parse(path).links.filter((href) => {
          if (/^[a-z][a-z0-9+.-]*:/i.test(href)) return false;
          const [file, anchor] = href.split('#') as [string, string | undefined];
          const target = file ? relative(root, join(root, dirname(path), decodeURI(file))) : path;
          if (!existsSync(join(root, target)) || (packed.has(path) && !packed.has(target))) return true;
          return (
            anchor !== undefined && target.endsWith('.md') && !parse(target).anchors.has(decodeURIComponent(anchor))
          );
        });
        assert.deepEqual(broken, []);
      });

      // A code block right after `<!-- path -->` is that file, which the tests run: it cannot rot.
      const source = readFileSync(join(root, path), 'utf8');
      for (const [, file, code] of source.matchAll(/<!-- (\S+) -->\n```\w*\n([\s\S]*?)```/g)) {
        it(`shows ${file} exactly as it is`, () => {
          assert.equal(code, readFileSync(join(root, file as string), 'utf8'));
        });
      }
    });
  }

  it(`keeps each README a landing page of at most ${readmeLimit} characters`, () => {
    for (const readme of ['README.md', 'README.zh-CN.md']) {
      const characters = [...readFileSync(join(root, readme), 'utf8')].length;
      assert.ok(characters <= readmeLimit, `${readme} has ${characters} characters`);
    }
  });

  // Readers switch languages mid-page: each Chinese document has the English one's headings, level
  // by level in the same order, and the two link to each other.
  for (const path of paths.filter((file) => file.endsWith('.md') && !file.endsWith('.zh-CN.md'))) {
    const chinese = path.replace(/\.md$/, '.zh-CN.md');
    if (!existsSync(join(root, chinese))) continue;
    it(`${chinese} has ${path}'s headings and code blocks in the same order, and each links to the other`, () => {
      const levels = (file: string) =>
        markdown
          .parse(readFileSync(join(root, file), 'utf8'), {})
          .filter((token) => token.type === 'heading_open')
          .map((token) => token.tag);
      assert.deepEqual(levels(chinese), levels(path));
      // The same examples too: code blocks of the same languages in the same order, and the same embedded files.
      const blocks = (file: string) =>
        markdown
          .parse(readFileSync(join(root, file), 'utf8'), {})
          .filter((token) => token.type === 'fence')
          .map((token) => token.info.trim());
      assert.deepEqual(blocks(chinese), blocks(path));
      const embedded = (file: string) =>
        [...readFileSync(join(root, file), 'utf8').matchAll(/<!-- (\S+) -->\n```/g)].map(([, name]) => name);
      assert.deepEqual(embedded(chinese), embedded(path));
      assert.ok(
        parse(path).links.some((href) => href.endsWith(chinese.split('/').pop() as string)),
        path,
      );
      assert.ok(
        parse(chinese).links.some((href) => href.endsWith(path.split('/').pop() as string)),
        chinese,
      );
    });
  }

  it('gives the test command that .ci/run calls, in both READMEs', () => {
    for (const readme of ['README.md', 'README.zh-CN.md']) {
      assert.match(readFileSync(join(root, readme), 'utf8'), /npm ci && npm test/, readme);
    }
    assert.match(readFileSync(join(root, '.ci', 'run'), 'utf8'), /^npm test$/m);
  });
});
