/** The channel the presenter's page names the projected connection on (same browser, any tab). */
export const PROJECTOR_CHANNEL = 'wslab.workshop.projector';
