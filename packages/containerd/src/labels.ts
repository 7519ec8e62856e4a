/**
 * Labels the engine's services put on containerd objects so that another service can find them
 * in containerd without calling the owner: container-svc marks each container with the ID of its
 * image, which image-svc reads before it deletes that image.
 */
export const imageIdLabel = 'flotilla.image-id';
