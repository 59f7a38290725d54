// A server component: rendered on the server per request, passing the query to the client snippet.
import { LiveBook, RecordedBook } from './Book';

export const dynamic = 'force-dynamic';

export default async function Page({ searchParams }: { searchParams: Promise<Record<string, string | undefined>> }) {
  const q = await searchParams;
  return (
    <main>
      <h1 data-testid="server-rendered">Rendered on the server</h1>
      <section data-testid="live">
        <LiveBook url={q.ws ?? ''} />
      </section>
      <section data-testid="recorded">
        <RecordedBook recording={q.rec ?? ''} />
      </section>
    </main>
  );
}
