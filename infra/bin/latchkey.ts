import { App } from 'aws-cdk-lib';
import { buildLatchkeyStack } from '../app.ts';
import { applyNagChecks } from '../nag.ts';

/** `npx cdk synth` / `npx cdk deploy`; the context values are listed in infra/app.ts and the README. */
const app = new App();
buildLatchkeyStack(app);
applyNagChecks(app);
