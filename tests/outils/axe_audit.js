// Audit d'accessibilité de pages HTML du site par axe-core dans Chromium sans écran.
// Usage : node axe_audit.js CHROMIUM LARGEUR page1.html [page2.html ...]
// Écrit sur la sortie standard un JSON : {page: [{id, impact, nodes, help}]} (violations seulement).
// Les modules axe-core et puppeteer-core sont cherchés par NODE_PATH (npm install axe-core puppeteer-core).
const path = require("path");
const puppeteer = require("puppeteer-core");
const axeSource = require("fs").readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

(async () => {
  const [chromium, width, ...pages] = process.argv.slice(2);
  const browser = await puppeteer.launch({ executablePath: chromium, headless: true, args: ["--no-sandbox", "--disable-gpu"] });
  const result = {};
  try {
    const tab = await browser.newPage();
    await tab.setViewport({ width: parseInt(width, 10), height: 900 });
    for (const page of pages) {
      await tab.goto("file://" + path.resolve(page), { waitUntil: "load" });
      await tab.evaluate(axeSource);
      const audit = await tab.evaluate(() => axe.run(document, { resultTypes: ["violations"] }));
      const overflow = await tab.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      result[page] = {
        violations: audit.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length, help: v.help })),
        debordement: overflow,
      };
    }
  } finally {
    await browser.close();
  }
  process.stdout.write(JSON.stringify(result));
})().catch((error) => { console.error(error); process.exit(1); });
