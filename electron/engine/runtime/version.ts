// Kept in step with package.json by tests/unit/version.test.ts.
export const APP_VERSION = '0.1.0'
export const APP_NAME = 'NTK Workbench'
