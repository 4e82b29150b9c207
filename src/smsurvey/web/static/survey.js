// The web survey's only script: each slider's number follows it as it moves. Without script
// the number shows the starting position, and the form posts the slider's value all the same.
for (const output of document.querySelectorAll("output[for]")) {
  const slider = document.getElementById(output.htmlFor.value);
  const show = () => {
    output.value = slider.value;
  };
  slider.addEventListener("input", show);
  slider.addEventListener("change", show);
}
