/** node-postgres's parameter encoding (pg/lib/utils.js), which @types/pg does not declare. */
declare module 'pg/lib/utils.js' {
  const utils: {
    /** A query parameter as pg sends it: null, a Buffer (sent as binary) or text. */
    prepareValue(value: unknown): string | Buffer | null;
  };
  export default utils;
}
