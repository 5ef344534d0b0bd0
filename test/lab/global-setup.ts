/** Placeholder: the lab tier's one-time setup (apt-get installs) lands with the foundation issue. */
export default function setup(): void {}
