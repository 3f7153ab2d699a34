/** The spend feature's Slack listeners: its Workflow Builder step (a project's month so far). */
export { register, type ProjectSpendStepDeps } from './workflowStep.js';
