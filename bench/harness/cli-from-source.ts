/** The CLI from src/ (under tsx), for `npm run bench -- --from-source` and the harness test: no dist/ needed. */
import { main } from '../../src/cli.js';

process.exitCode = await main(process.argv);
