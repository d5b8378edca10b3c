/** SLACK_API_URL as the Slack clients want it: the Web API base with a trailing slash (`…/api/`). */
export function slackApiUrl(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}
