// One rule turns a handler's error into a status: chosen statuses kept, schema failures 400 naming
// the field, anything else 500 and logged.
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { answerFor, setErrorLog } from '../../server/http/errors.ts';
import { HttpError } from '../../server/http/json.ts';
import { ConditionError } from '../../server/core/api/link.ts';
import { FlowConfigError } from '../../server/core/labs/flow.ts';

const logged: string[] = [];
setErrorLog((line) => logged.push(line));
afterEach(() => void logged.splice(0));

describe('answerFor', () => {
  it('keeps the status an error was thrown with, 4xx and 5xx, and logs nothing', () => {
    expect(answerFor(new HttpError(404, 'no puppet p9'), 'GET /x')).toEqual({ status: 404, message: 'no puppet p9' });
    expect(answerFor(new HttpError(503, 'at the limit of 46 observers'), 'GET /x')).toEqual({ status: 503, message: 'at the limit of 46 observers' });
    expect(answerFor(new ConditionError('latencyMs must be an integer from 0 to 60000'), 'POST /x')).toEqual({ status: 400, message: 'latencyMs must be an integer from 0 to 60000' });
    expect(answerFor(new FlowConfigError('rate must be from 1 to 100000'), 'POST /x')).toEqual({ status: 400, message: 'rate must be from 1 to 100000' });
    expect(logged).toEqual([]);
  });

  it('answers a schema failure with 400 naming the field', () => {
    const err = z.object({ count: z.number().max(5000) }).safeParse({ count: 9000 }).error!;
    expect(answerFor(err, 'POST /x')).toEqual({ status: 400, message: 'count: Too big: expected number to be <=5000' });
  });

  it('answers anything else with 500 and logs it with where it happened', () => {
    expect(answerFor(new TypeError('x is undefined'), 'POST /__wslab/flow')).toEqual({ status: 500, message: 'internal error in POST /__wslab/flow; the server logged it' });
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatch(/^wslab: internal error in POST \/__wslab\/flow: TypeError: x is undefined/);
  });
});
