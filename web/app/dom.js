// Elements are found by their data-testid: the one name the markup, the code and the tests share.

/** A lookup of elements by data-testid inside `root`. */
export function byTestIdIn(root) {
  return (id) => root.querySelector(`[data-testid="${id}"]`);
}
