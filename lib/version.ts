/** The framework's version, shown by `--version` and written into generated projects. */
export const VERSION = "0.1.0";
