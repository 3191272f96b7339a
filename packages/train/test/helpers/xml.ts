/**
 * Checks that `text` is well-formed XML as far as tags go (every element closed, properly nested,
 * one root) and returns the root's name and every text node; throws otherwise.
 */
export function checkXml(text: string): { root: string; texts: string[] } {
  const body = text.replace(/^<\?xml[^>]*\?>\s*/, '').trim();
  const stack: string[] = [];
  const texts: string[] = [];
  let root = '';
  let roots = 0;
  const re =
    /<(\/?)([A-Za-z][\w:.-]*)((?:\s+[\w:.-]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>|([^<]+)|(<!--[\s\S]*?-->)/gy;
  let m: RegExpExecArray | null;
  let end = 0;
  while (end < body.length && (m = re.exec(body)) !== null) {
    end = re.lastIndex;
    const [, close, name, , selfClose, chars] = m;
    if (chars !== undefined) {
      if (stack.length === 0 && chars.trim() !== '')
        throw new Error(`text outside the root: ${chars.slice(0, 20)}`);
      if (chars.trim() !== '') texts.push(chars.trim());
      continue;
    }
    if (name === undefined) continue; // comment
    if (close) {
      const open = stack.pop();
      if (open !== name) throw new Error(`</${name}> closes <${open}>`);
    } else {
      if (stack.length === 0) {
        roots++;
        root = name;
      }
      if (!selfClose) stack.push(name);
    }
  }
  if (end !== body.length) throw new Error(`not XML at ${body.slice(end, end + 30)}`);
  if (stack.length) throw new Error(`unclosed <${stack.join('>, <')}>`);
  if (roots !== 1) throw new Error(`expected one root element, got ${roots}`);
  return { root, texts };
}
