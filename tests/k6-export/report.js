// Runs k6-html-reporter (the version package-lock.json pins) on a k6 --summary-export file, the
// way its README tells a k6 user to: `node report.js SUMMARY.json OUTPUT_DIR` writes
// OUTPUT_DIR/report.html. For tests/integration/test_summary_export.py; it must not change what
// the reporter reads or writes.
const reporter = require('k6-html-reporter');

const [jsonFile, output] = process.argv.slice(2);
if (!jsonFile || !output) {
  console.error('usage: node report.js SUMMARY.json OUTPUT_DIR');
  process.exit(2);
}
reporter.generateSummaryReport({ jsonFile, output });
