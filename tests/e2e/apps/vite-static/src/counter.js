export function counter(element) {
  let count = 0;
  const render = () => {
    element.textContent = `count is ${count}`;
  };
  element.addEventListener("click", () => {
    count += 1;
    render();
  });
  render();
}
