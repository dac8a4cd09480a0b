import type { ApprovalQueue } from '../mcp/approval-queue';
import { adminInput } from './admin-api';
import { HttpError } from './http-error';
import { readJson } from './request-body';
import type { Router } from './router';

/** Adds `GET /api/approvals` and `POST /api/approvals/{id}`. */
export function addApprovalRoutes(router: Router, approvals: ApprovalQueue): void {
  router.add('GET', '/api/approvals', () => approvals.list());
  router.add('POST', '/api/approvals/:id', async (ctx) => {
    const { decisionSchema } = await adminInput();
    const { decision } = decisionSchema.parse(await readJson(ctx.req));
    if (!approvals.decide(ctx.params.id, decision)) {
      throw new HttpError(404, 'not_found', 'no call waits with that id; it may have been decided, timed out or cancelled');
    }
    return { id: ctx.params.id, decision };
  });
}
