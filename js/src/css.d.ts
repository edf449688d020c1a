// esbuild emits imported CSS beside each bundle (static/<widget>.css), loaded through `_css`.
declare module "*.css";
