import "./style.css";
import { counter } from "./counter.js";

document.querySelector("#app").innerHTML = `
  <p>Built with Vite ${import.meta.env.MODE === "production" ? "(production)" : "(dev)"}.</p>
  <button id="counter" type="button"></button>
`;

counter(document.querySelector("#counter"));
