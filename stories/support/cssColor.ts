/** A CSS colour (a variable's value, a name) as the browser computes it (`rgb(…)`), to compare with computed styles. */
export function computedColor(css: string): string {
  const probe = document.createElement('span');
  probe.style.color = css;
  document.body.append(probe);
  const out = getComputedStyle(probe).color;
  probe.remove();
  return out;
}
