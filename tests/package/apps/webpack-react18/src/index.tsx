import { createRoot } from 'react-dom/client';

import { LiveBook, RecordedBook } from './Book';

const q = new URLSearchParams(location.search);
const root = document.body.appendChild(document.createElement('div'));
createRoot(root).render(
  <main>
    <section data-testid="live">
      <LiveBook url={q.get('ws')!} />
    </section>
    <section data-testid="recorded">
      <RecordedBook recording={q.get('rec')!} />
    </section>
  </main>,
);
