/**
 * How Azure ML runs this project's own inference server (`fpga serve --model`, see README's
 * "Serving one model in a container"): the port it listens on, its Open Inference Protocol
 * routes, and the variable that names the model. Keep in step with that server.
 */
export const INFERENCE_SERVER_PORT = 5001;
export const SERVICE_NAME_VARIABLE = 'FPGA_SERVICE_NAME';

export interface InferenceRoutes {
  livenessRoute: { path: string; port: number };
  readinessRoute: { path: string; port: number };
  scoringRoute: { path: string; port: number };
}

/** The routes of a container serving `serviceName`, as an environment's `inferenceConfig`. */
export function inferenceRoutes(serviceName: string): InferenceRoutes {
  const port = INFERENCE_SERVER_PORT;
  return {
    livenessRoute: { path: '/v2/health/live', port },
    readinessRoute: { path: '/v2/health/ready', port },
    scoringRoute: { path: `/v2/models/${encodeURIComponent(serviceName)}/infer`, port },
  };
}
