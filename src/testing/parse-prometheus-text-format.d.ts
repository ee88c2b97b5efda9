// The package ships no types: the shape this project relies on.
declare module 'parse-prometheus-text-format' {
  export default function parsePrometheusTextFormat(text: string): { name: string; help: string; type: string; metrics: { labels?: Record<string, string>; value?: string; buckets?: Record<string, string> }[] }[];
}
