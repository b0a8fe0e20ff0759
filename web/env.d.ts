/// <reference types="vite/client" />

/** The URL of a guest program (see guestPrograms in vite.config.ts). */
declare module '*?program' {
  const url: string;
  export default url;
}
