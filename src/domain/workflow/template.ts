// Workflow text templates: `{{name}}` is the task parameter `name`, empty when it is not set.
const placeholder = /\{\{\s*([A-Za-z_][\w.-]*)\s*\}\}/g;

export function renderTemplate(template: string, parameters: Readonly<Record<string, string>>): string {
  return template.replace(placeholder, (_, name: string) => parameters[name] ?? '');
}

/** Renders for a URL: parameter values are percent-encoded so they cannot change the URL's shape. */
export function renderUrlTemplate(template: string, parameters: Readonly<Record<string, string>>): string {
  return template.replace(placeholder, (_, name: string) => encodeURIComponent(parameters[name] ?? ''));
}
